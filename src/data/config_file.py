"""Where the config file lives and how it is read safely (what it may hold: ``rotor.data.config``).

Location: ``--config PATH`` > ``$ROTOR_CONFIG`` > ``platformdirs.user_config_dir("rotor")/config.toml``.
A missing file is fine (every default applies) unless it was named with ``--config``. Only a regular file
of at most ``MAX_CONFIG_BYTES`` is read (a FIFO would block for ever, ``/dev/zero`` never ends).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from rotor.data.errors import RotorError

#: Environment variable naming the config file (below ``--config``, above the platform default).
CONFIG_ENV: Final = "ROTOR_CONFIG"
CONFIG_FILE_NAME: Final = "config.toml"
#: The largest config file read (a config file is a few hundred bytes).
MAX_CONFIG_BYTES: Final = 1 << 20


class ConfigError(RotorError):
    """The config file cannot be used; the message is one line naming the file, the key and the line."""


# --- where the file is -------------------------------------------------------------------------------


def default_config_path() -> Path | None:
    """``platformdirs.user_config_dir("rotor")/config.toml``, or ``None`` when there is no home directory
    to put it in (``HOME`` unset and no password-database entry: platformdirs then returns a path that
    still starts with ``~``)."""
    import platformdirs

    directory = Path(os.path.expanduser(platformdirs.user_config_dir("rotor")))  # noqa: PTH111
    if not directory.is_absolute():
        return None
    return directory / CONFIG_FILE_NAME


def resolve_config_path(
    cli_value: str | None, env: Mapping[str, str] | None = None
) -> tuple[Path | None, bool]:
    """The config file to read and whether the user named it with ``--config`` (then it must exist):
    ``--config`` > ``$ROTOR_CONFIG`` > the platform default. ``None`` when there is no home directory to
    resolve the default or a ``~`` in the given path."""
    environ = os.environ if env is None else env
    given = cli_value or environ.get(CONFIG_ENV)
    if not given:
        return default_config_path(), False
    # os.path.expanduser leaves "~" as it is when there is no home directory (Path.expanduser raises).
    expanded = os.path.expanduser(given)  # noqa: PTH111
    return (None if expanded.startswith("~") else Path(expanded)), bool(cli_value)


# --- reading -----------------------------------------------------------------------------------------

#: What a config path that is not a regular file is, by the first letter of ``stat.filemode``.
_NOT_REGULAR: Final = {
    "d": "a directory",
    "p": "a FIFO (named pipe), not a regular file",
    "c": "a character device, not a regular file",
    "b": "a block device, not a regular file",
}


def read_config_bytes(path: Path) -> bytes | None:
    """The bytes of the config file ``path``, or ``None`` when it does not exist. Only a regular file of at
    most ``MAX_CONFIG_BYTES`` is read: anything else raises ``ConfigError`` at once (opened non-blocking,
    so a FIFO cannot hang rotor, then checked)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            mode = os.fstat(fd).st_mode
            data = os.read(fd, MAX_CONFIG_BYTES + 1) if stat.S_ISREG(mode) else b""
        finally:
            os.close(fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = _NOT_REGULAR.get(stat.filemode(mode)[0], "not a regular file")
        raise ConfigError(f"config file {path} is {kind}")
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES >> 20} MiB; not reading it")
    return data


def read_config_text(path: str | None, env: Mapping[str, str] | None = None) -> tuple[str, Path] | None:
    """The text of the config file (see ``resolve_config_path``) and where it is, or ``None`` when there is
    none (every default applies). Raises ``ConfigError`` for a ``--config`` file that does not exist, a
    file that cannot be read or is not a regular file, or one that is not UTF-8 text."""
    resolved, explicit = resolve_config_path(path, env)
    if resolved is None:
        if explicit:
            raise ConfigError(f"config file {path}: cannot expand '~' (no home directory)")
        return None
    raw = read_config_bytes(resolved)
    if raw is None:
        if explicit:
            raise ConfigError(f"config file {resolved} not found (given with --config)")
        return None
    try:
        return raw.decode("utf-8"), resolved
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{resolved}: not UTF-8 text (byte {exc.start})") from None
