"""`make report` and the nightly job's report asset: the ministry review notebook, run unattended.

The notebook (`notebooks/ministry_review.ipynb`) reads only the published warehouse, read-only. It is
executed headless (nbclient) and exported as one self-contained HTML file, charts embedded and code
hidden, to `<marts>/reports/ministry_review.html`, written under a temporary name and renamed.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

from .settings import PROJECT_ROOT, Paths, current_paths

NOTEBOOK = PROJECT_ROOT / "notebooks" / "ministry_review.ipynb"


def report_path(paths: Paths, language: str = "vi") -> Path:
    """ministry_review.html (Vietnamese, the report of record); ministry_review_en.html in English."""
    return (
        paths.marts_dir
        / "reports"
        / ("ministry_review.html" if language == "vi" else f"ministry_review_{language}.html")
    )


def run_notebook(warehouse: Path, language: str = "vi", timeout: int = 600):
    """The executed notebook (raises nbclient's CellExecutionError if any cell fails)."""
    import nbformat
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    if not warehouse.exists():
        raise FileNotFoundError(f"no published warehouse at {warehouse}: run a refresh first (make run)")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    env = {
        "KC_WAREHOUSE": str(warehouse),
        "KC_REPORT_LANG": language,
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        with tempfile.TemporaryDirectory(prefix="kc-kernel-") as sockets:
            # a local socket, not TCP on localhost: nothing else on the machine can reach the kernel
            kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
            try:
                NotebookClient(
                    notebook, km=kernel, timeout=timeout, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
                ).execute()
            finally:
                if kernel.has_kernel:
                    kernel.shutdown_kernel()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return notebook


TITLES = {"vi": "Đánh giá chương trình khuyến công", "en": "Review of the industrial-extension programme"}
# what a browser would fetch: scripts, stylesheets, images, frames (links a reader clicks are not fetched)
_FETCHED = re.compile(r"""<(script|link|img|iframe|source|embed)\b[^>]*?\b(src|href)\s*=\s*["']?(https?:)?//""", re.I)


def offline(html: str) -> str:
    """The report without anything fetched from outside: a ministry intranet reaches no CDN. The charts
    are embedded images and nothing needs a script, so nbconvert's require.js and MathJax are left out;
    anything else that would be fetched stops the report (never a page that half loads)."""
    html = re.sub(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(https?:)?//[^>]*>\s*</script>", "", html, flags=re.I)
    html = re.sub(
        r"<script\b[^>]*>(?:(?!</script>).)*?(MathJax|mathjax)(?:(?!</script>).)*</script>", "", html, flags=re.I | re.S
    )
    left = _FETCHED.search(html)
    if left:
        raise RuntimeError(f"the report would fetch from outside: {html[left.start() : left.start() + 120]}")
    return html


def write_report(paths: Paths, language: str = "vi") -> Path:
    from nbconvert import HTMLExporter

    notebook = run_notebook(paths.published_db, language)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    title = TITLES[language]
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    body = offline(body)
    target = report_path(paths, language)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    temp.write_text(body, encoding="utf-8")
    os.replace(temp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make report", description=__doc__.split("\n")[0])
    parser.add_argument("--lang", choices=["vi", "en"], default="vi", help="labels in Vietnamese (default) or English")
    args = parser.parse_args(argv)
    target = write_report(current_paths(), args.lang)
    print(f"wrote {target} ({target.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
