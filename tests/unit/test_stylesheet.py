"""The project's stylesheet is well formed: a block left open swallows every rule after it into the media query
it opened (it once put the sign-off queue's, the email pages' and the skills pages' rules on phones only)."""
import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def test_every_block_of_the_stylesheet_is_closed_where_it_should_be():
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)   # braces inside comments do not count
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("@media"):
            assert depth == 0, f"app.css line {number}: a media query opened inside another block"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"app.css line {number}: a block closed that was never opened"
    assert depth == 0, "app.css ends with a block still open"
