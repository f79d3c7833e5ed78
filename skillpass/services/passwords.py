"""What makes a password acceptable: long enough, and not one that is guessed early.

Length first (at least 12 characters, at most 128), then zxcvbn's estimate of
how quickly it falls to guessing, which knows common passwords, keyboard walks,
dates, names and the person's own details.
"""
from __future__ import annotations

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3   # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash attacks"


def problem(password: str, *, user_inputs: list[str] = ()) -> str | None:
    """Why *password* is refused, in words for the person choosing it; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Use {MAX_LENGTH} characters or fewer"
    from zxcvbn import zxcvbn

    inputs = [part for value in user_inputs for part in str(value).lower().replace("@", " ").replace(".", " ").split()
              if len(part) > 2]
    result = zxcvbn(password, user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return None
    warning = result["feedback"].get("warning") or "It would be guessed too easily."
    return (f"Choose a harder password: {warning.rstrip('.')}. Three or four random words together, "
            f"like ‘candle river paper kite’, are long and easy to remember")
