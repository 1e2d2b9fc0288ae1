"""Renderings of a MarketSnapshot: number formatting, and the headless report (text, Markdown, JSON)."""
