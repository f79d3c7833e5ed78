"""Copy the front-end assets from node_modules into static/vendor (never committed).

The NHS.UK stylesheet names its images by absolute path and loads its font
from an NHS server: point the images at our copy, and drop the remote font
(offline it falls back to Arial, as the design system intends).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
OUT = ROOT / "static" / "vendor"


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    (OUT / "nhsuk").mkdir(parents=True)
    nhsuk = NODE / "nhsuk-frontend" / "dist" / "nhsuk"
    css = (nhsuk / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    css = re.sub(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}", "", css)
    css = css.replace("url(/assets/", "url(assets/")
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    if "assets.nhs.uk" in css:
        raise SystemExit("the NHS.UK stylesheet still names a remote font; update build_assets.py")
    (OUT / "nhsuk" / "nhsuk-frontend.min.css").write_text(css, encoding="utf-8")
    js = (nhsuk / "nhsuk-frontend.min.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    (OUT / "nhsuk" / "nhsuk-frontend.min.js").write_text(js, encoding="utf-8")
    shutil.copytree(nhsuk / "assets", OUT / "nhsuk" / "assets")
    (OUT / "htmx").mkdir()
    shutil.copy(NODE / "htmx.org" / "dist" / "htmx.min.js", OUT / "htmx" / "htmx.min.js")
    print(f"assets copied to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
