"""Secrets never reach a trace file: redaction at write time.

Three kinds of evidence, applied wherever a value is stored (arguments, locals, return
values, exception messages, argv, metadata) and so in every export built from the trace:

- **names**: a string bound to a secret-looking name (``api_key``, ``hf_token``,
  ``password``, ``client_secret``) or returned by a function so named (``load_api_key()``);
  numbers and arrays under such names stay visible (``max_token``, ``token_id`` are not
  secrets, and neither is an integer called ``token``);
- **known values**: the values of environment variables with secret-looking names, and of
  command-line flags with secret-looking names (``--token VALUE``, ``--api-key=VALUE``),
  replaced wherever they appear, inside longer strings too;
- **known shapes**: bearer tokens, ``sk-``/``ghp_``/``github_pat_``/``hf_``/``xox?-`` keys,
  AWS access key ids, JWTs and private-key blocks, anywhere inside a string.

``--no-redact`` turns all of it off. Standard library only (the tracer imports it).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Mapping

REDACTED = "<redacted>"

_TOKEN_SHAPES_PATTERN = (
    r"(?:Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[baprs]-[A-Za-z0-9-]{10,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|hf_[A-Za-z0-9]{20,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*)"
)
# Compiled on first need (about 4.5 million instructions, in every traced run): until then a string
# that holds none of these, which every match of the pattern contains, holds no token shape.
_TOKEN_MARKERS = (
    "Bearer",
    "Basic",
    "Token",
    "sk-",
    "gh",
    "github_pat_",
    "glpat-",
    "xox",
    "AKIA",
    "ASIA",
    "hf_",
    "eyJ",
    "-----BEGIN ",
)
# Strings checked against the markers before the pattern is compiled anyway: a long run compiles it
# once rather than check markers for every value.
_MARKER_CHECKS = 256
_token_shapes: re.Pattern[str] | None = None
_marker_checks = 0


def token_shapes() -> re.Pattern[str]:
    """The compiled pattern of the known token shapes."""
    global _token_shapes
    if _token_shapes is None:
        _token_shapes = re.compile(_TOKEN_SHAPES_PATTERN, re.S)
    return _token_shapes


def _shapes_for(value: str) -> re.Pattern[str] | None:
    """The token-shape pattern to search ``value`` with, or None when ``value`` cannot hold one."""
    global _marker_checks
    shapes = _token_shapes
    if shapes is not None:
        return shapes
    if _marker_checks < _MARKER_CHECKS:
        _marker_checks += 1
        if not any(marker in value for marker in _TOKEN_MARKERS):
            return None
    return token_shapes()


_PARTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_SECRET_WORDS = {
    "password",
    "passwd",
    "passphrase",
    "secret",
    "secrets",
    "token",
    "apikey",
    "credential",
    "credentials",
    "auth",
    "privatekey",
    "accesskey",
}
_SECRET_PAIRS = {("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"), ("client", "secret")}
# A secret word next to one of these names a count, a size or an id, not a secret.
_NOT_SECRET = {"num", "n", "max", "min", "count", "len", "length", "size", "id", "ids", "idx", "index", "type", "vocab", "emb"}

# Every secret word and pair holds one of these: a name whose lower case holds none is no secret's.
_SECRET_HINTS = ("pass", "secret", "token", "key", "credential", "auth")


def _has_hint(lowered: str) -> bool:
    return (
        "key" in lowered
        or "pass" in lowered
        or "secret" in lowered
        or "token" in lowered
        or "auth" in lowered
        or "credential" in lowered
    )


_name_cache: dict[str, bool] = {}


def is_secret_name(name: str) -> bool:
    """Does an identifier or flag name look like it holds a secret?"""
    hit = _name_cache.get(name)
    if hit is None and not _has_hint(name.lower()):
        hit = _name_cache[name] = False  # no secret word can be among its parts (most names)
    if hit is None:
        parts = [p.lower() for p in _PARTS.findall(name)]
        hit = not (_NOT_SECRET & set(parts)) and (
            any(p in _SECRET_WORDS for p in parts) or any(pair in _SECRET_PAIRS for pair in itertools.pairwise(parts))
        )
        _name_cache[name] = hit
    return hit


# Values too common to be treated as a secret wherever they appear.
_TRIVIAL = {"true", "false", "none", "null", "yes", "no", "on", "off"}


def _worth_hiding(value: str) -> bool:
    return len(value) >= 6 and value.lower() not in _TRIVIAL


class Redactor:
    """Replaces known secret values and token shapes inside strings."""

    def __init__(self, secrets: Iterable[str] = (), enabled: bool = True) -> None:
        self.enabled = enabled
        self.secrets = sorted({s for s in secrets if _worth_hiding(s)}, key=len, reverse=True)
        # How far past the shown part of a string a secret can start and still be cut in two.
        self.margin = max((len(s) for s in self.secrets), default=0) + 64

    def text(self, value: str) -> str:
        """``value`` with every known secret and token shape replaced (the same object if none)."""
        if not self.enabled:
            return value
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        shapes = _token_shapes
        if shapes is None:
            shapes = _shapes_for(value)
            if shapes is None:
                return value
        return shapes.sub(REDACTED, value) if shapes.search(value) else value

    def argv(self, argv: list[str]) -> list[str]:
        """A command line with the values of secret-looking flags (and known secrets) hidden."""
        if not self.enabled:
            return list(argv)
        out: list[str] = []
        hide_next = False
        for word in argv:
            if hide_next:
                out.append(REDACTED)
                hide_next = False
                continue
            flag, eq, _value = word.partition("=")
            if word.startswith("-") and is_secret_name(flag.lstrip("-")):
                if eq:
                    out.append(f"{flag}={REDACTED}")
                else:
                    out.append(word)
                    hide_next = True
                continue
            out.append(self.text(word))
        return out


def secrets_from(environ: Mapping[str, str] | None = None, argv: Iterable[str] = ()) -> list[str]:
    """Values to hide wherever they appear: secret-named environment variables and flag values."""
    env = os.environ if environ is None else environ
    found = [v for k, v in env.items() if is_secret_name(k)]
    words = list(argv)
    for i, word in enumerate(words):
        if not word.startswith("-"):
            continue
        flag, eq, value = word.partition("=")
        if is_secret_name(flag.lstrip("-")):
            if eq:
                found.append(value)
            elif i + 1 < len(words):
                found.append(words[i + 1])
    return found


# The redactor in force while recording (set by the runner; the default hides shapes only).
current = Redactor()


def configure(redactor: Redactor) -> None:
    global current
    current = redactor
