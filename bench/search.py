"""Benchmark: the help-site search in headless Chromium, and the engines it was chosen from.

For the example site and a synthetic site of 1,000 realistic German pages it prints, per
engine: the index size (bytes, and gzip-compressed as a server sends it), the time from the
first keystroke to the first result when the member starts typing right after the page has
loaded (index download and set-up included; median of 5 page loads), and the per-keystroke
query time afterwards (median and 90th percentile). On the example site it also scores every
engine on the query set of the search test (tests/data/search_queries.tsv): how many expected
articles are among the first three results.

Engines: ``rundbrief`` (the site as built: Material's search box, our German worker, the
compact index), ``rundbrief-full`` (the same worker on Material's full index, as after a plain
``mkdocs build``), ``lunr`` (Material's own lunr worker on its full index, as configured before),
``lunr-de`` (the same with lunr's German stemmer switched on) and ``pagefind`` (Pagefind 1.5
over the same HTML, article body only, keywords added as weighted text, archived newsletters
ranked down like ours; needs ``pip install 'rundbrief[bench]'``).

Run: .venv/bin/python bench/search.py [PAGES]   (default 1000)
     .venv/bin/python bench/search.py --quality  (only the top-3 scores of our engine, example site)
     .venv/bin/python bench/search.py --first [PAGES]  (only our first result, 15 page loads)
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, QuietHandler, copy_example, git  # noqa: E402
from search_helpers import (  # noqa: E402
    BLIND_QUERIES,
    SEARCH_INPUT,
    load_queries,
    open_search,
    settled_results,
    type_query,
)

from generator.build import build  # noqa: E402
from generator.core.settings import load_project  # noqa: E402

KEYSTROKE_QUERY = "Lastschrift Konto wechseln"  # ASCII: Playwright types umlauts without key events
NEWSLETTER_DEMOTION = 0.3  # what `search.boost` gives archived newsletters on our site


# ----- Sites ----------------------------------------------------------------------------------


def corpus_sentences() -> list[str]:
    """Sentences of the real help articles: grammar and rhythm of real German help text."""
    sentences = []
    for path in sorted((REPO / "content").rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        body = re.sub(r"\{\{.*?\}\}|<!--.*?-->", "", body)  # facts, hosting blocks: no prose
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)|[*#>`|!]|^\s*[-\d.]+\s", r"\1", body, flags=re.M)
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]
    return sentences


def noun_pool(sentences: list[str], rng: random.Random) -> list[str]:
    """The corpus' nouns plus compounds of them, so that 1,000 pages have a realistic vocabulary."""
    nouns = sorted({w for s in sentences for w in re.findall(r"\b[A-ZÄÖÜ][a-zäöüß]{3,}\b", s)})
    parts = [n for n in nouns if len(n) <= 9]
    compounds = {rng.choice(parts) + rng.choice(parts).lower() for _ in range(12_000)}
    return nouns + sorted(compounds)


def synthetic_project(root: Path, pages: int, seed: int = 11) -> Path:
    """The example project's settings and theme with ``pages`` generated articles in 20 sections."""
    rng = random.Random(seed)
    sentences = corpus_sentences()
    nouns = noun_pool(sentences, rng)
    copy_example(root)  # the real articles, newsletters and Werbemittel stay
    content = root / "content"
    for number in range(pages):
        section = content / f"bereich-{number % 20}"
        section.mkdir(exist_ok=True)
        if not (section / "index.md").exists():
            (section / "index.md").write_text(
                f"---\ntitle: Bereich {number % 20}\ndescription: Übersicht über den Bereich "
                f"{number % 20} des Hilfe-Centers.\norder: {200 + number % 20}\n---\nÜbersicht.\n",
                encoding="utf-8",
            )

        def vary(sentence: str) -> str:
            return re.sub(
                r"\b[A-ZÄÖÜ][a-zäöüß]{3,}\b",
                lambda m: rng.choice(nouns) if rng.random() < 0.5 else m.group(0),
                sentence,
            )

        topic = rng.choice(nouns)
        paragraphs = []
        words = 0
        while words < 600:
            paragraph = " ".join(vary(rng.choice(sentences)) for _ in range(rng.randint(3, 6)))
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        body = "\n\n".join(
            (f"## {rng.choice(nouns)} und {rng.choice(nouns)}\n\n" if i % 2 else "") + text
            for i, text in enumerate(paragraphs)
        )
        keywords = ", ".join(rng.sample(nouns, 3))
        (section / f"artikel-{number}.md").write_text(
            f"---\ntitle: {topic} – Artikel {number}\ndescription: Was Sie über {topic} wissen "
            f"sollten, Schritt für Schritt erklärt.\nkeywords: [{keywords}]\n---\n{body}\n",
            encoding="utf-8",
        )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "synthetic articles")
    return root


@contextmanager
def _no_worker(*args: object) -> Iterator[None]:
    yield None


def built_site(root: Path, *, compact: bool = True) -> Path:
    """Build the project with rundbrief (its git history gives the last-changed dates).

    ``compact=False`` keeps Material's full search index, as a plain MkDocs build leaves it.
    """
    if compact:
        build(load_project(root))
    else:
        # (and no second process: Material's search plugin keeps its pages, as without rundbrief)
        with (
            mock.patch("generator.site.searchindex.compact", lambda *args: None),
            mock.patch("generator.site.beside.in_background", _no_worker),
        ):
            build(load_project(root))
    return root / "site"


# ----- Engines --------------------------------------------------------------------------------


def material_worker(site: Path, *, stemmer: bool) -> None:
    """Point the site back at Material's own lunr worker (optionally with the German stemmer)."""
    worker = next((site / "assets/javascripts/workers").glob("search.*.min.js")).name
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(
            text.replace(
                "assets/javascripts/hilfe-suche.js", f"assets/javascripts/workers/{worker}"
            ),
            encoding="utf-8",
        )
    if stemmer:
        index_file = site / "search/search_index.json"
        index = json.loads(index_file.read_text(encoding="utf-8"))
        index["config"]["pipeline"] = ["stemmer", "stopWordFilter", "trimmer"]
        index_file.write_text(json.dumps(index), encoding="utf-8")


def pagefind_site(site: Path) -> None:
    """Index the site with Pagefind: article bodies only, keywords as heavily weighted text."""
    keywords = json.loads((site / "search/keywords.json").read_text(encoding="utf-8"))
    for page in site.rglob("index.html"):
        location = page.parent.relative_to(site).as_posix() + "/"
        text = page.read_text(encoding="utf-8")
        extra = " ".join(keywords.get("" if location == "./" else location, []))
        text = text.replace(
            '<article class="md-content__inner md-typeset">',
            '<article class="md-content__inner md-typeset" data-pagefind-body>'
            f'<p data-pagefind-weight="8" hidden>{extra}</p>',
            1,
        )
        page.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--silent"], check=True)


ENGINES: dict[str, Callable[[Path], None]] = {
    "rundbrief": lambda site: None,
    "rundbrief-full": lambda site: None,
    "lunr": functools.partial(material_worker, stemmer=False),
    "lunr-de": functools.partial(material_worker, stemmer=True),
    "pagefind": pagefind_site,
}


def index_files(site: Path, engine: str) -> list[Path]:
    """What the browser downloads to search: the index and the search code."""
    if engine == "pagefind":  # the engine, its index and fragments; not its optional UI files
        return [
            p
            for p in (site / "pagefind").rglob("*")
            if p.is_file() and not any(x in p.name for x in ("-ui", "highlight", "unknown"))
        ]
    files = [site / "search/search_index.json"]
    if engine.startswith("rundbrief"):
        files += [site / "assets/javascripts/hilfe-suche.js"]
    if engine == "rundbrief-full":  # (the compact index holds the keywords: not downloaded)
        files += [site / "search/keywords.json"]
    return files


def sizes(files: list[Path]) -> tuple[int, int]:
    """Bytes on disk and bytes gzip-compressed (Pagefind's chunks and wasm are gzip already)."""
    raw = sum(p.stat().st_size for p in files)
    packed = sum(
        p.stat().st_size
        if p.suffix.startswith(".pf_") or p.suffix == ".pagefind"
        else len(gzip.compress(p.read_bytes(), 6))
        for p in files
    )
    return raw, packed


@contextmanager
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# ----- Measurements in the browser ------------------------------------------------------------

COUNT_MUTATIONS = """() => {
  window.__changes = []
  const list = document.querySelector('.md-search-result')
  new MutationObserver(() => window.__changes.push(performance.now()))
    .observe(list, { childList: true, subtree: true, characterData: true })
}"""


def ui_first_result(page: Page, base: str) -> float:
    """Milliseconds from the first keystroke (right after load) to the first result shown."""
    page.goto(base + "zahlungen/paypal/", wait_until="load")
    page.evaluate(COUNT_MUTATIONS)
    open_search(page)
    start = page.evaluate("performance.now()")
    page.keyboard.press("L")
    page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
    return float(page.evaluate("performance.now()")) - start


def ui_keystrokes(page: Page) -> list[float]:
    """Milliseconds from each keystroke to the redrawn result list, index ready."""
    box = page.locator(SEARCH_INPUT)
    box.fill("")
    box.press("Backspace")
    page.wait_for_timeout(300)
    times = []
    for char in KEYSTROKE_QUERY:
        if char == " ":  # the theme trims the query: a space starts no search
            page.keyboard.type(char)
            continue
        before = page.evaluate("window.__changes.length")
        start = page.evaluate("performance.now()")
        page.keyboard.type(char)
        page.wait_for_function(f"window.__changes.length > {before}", timeout=10_000)
        times.append(float(page.evaluate("window.__changes[window.__changes.length - 1]")) - start)
        page.wait_for_timeout(60)
    return times


def ui_quality(page: Page, base: str, blind: bool = False) -> tuple[int, int, list[str]]:
    page.goto(base + "zahlungen/paypal/", wait_until="networkidle")
    open_search(page)
    queries = load_queries(BLIND_QUERIES) if blind else load_queries()
    hits, misses = 0, []
    for query in queries:
        type_query(page, query.text)
        found = settled_results(page)
        ok = query.expected in found[:3] if query.expected else not found
        hits += ok
        if not ok:
            misses.append(f"{query.kind}:{query.text}")
    return hits, len(queries), misses


PAGEFIND_SEARCH = f"""async (query) => {{
  window.__pf = window.__pf || await import('/pagefind/pagefind.js')
  const start = performance.now()
  const search = await window.__pf.search(query)
  const data = await Promise.all(search.results.slice(0, 10).map(r => r.data()))
  const demoted = search.results.slice(0, 10).map((r, i) => ({{
    url: data[i].url, score: r.score * (data[i].url.startsWith('/newsletter/') ? {NEWSLETTER_DEMOTION} : 1)
  }})).sort((a, b) => b.score - a.score)
  return {{ ms: performance.now() - start, urls: demoted.map(r => r.url) }}
}}"""


def pagefind_first_result(page: Page, base: str) -> float:
    page.goto(base + "zahlungen/paypal/", wait_until="load")
    start = page.evaluate("performance.now()")
    page.evaluate(PAGEFIND_SEARCH, "L")
    return float(page.evaluate("performance.now()")) - start


def pagefind_keystrokes(page: Page) -> list[float]:
    return [
        float(page.evaluate(PAGEFIND_SEARCH, KEYSTROKE_QUERY[:n])["ms"])
        for n in range(1, len(KEYSTROKE_QUERY) + 1)
        if KEYSTROKE_QUERY[n - 1] != " "
    ]


def pagefind_quality(page: Page, base: str, blind: bool = False) -> tuple[int, int, list[str]]:
    page.goto(base + "zahlungen/paypal/", wait_until="networkidle")
    queries = load_queries(BLIND_QUERIES) if blind else load_queries()
    hits, misses = 0, []
    for query in queries:
        urls = [
            u.strip("/") + "/" if u.strip("/") else ""
            for u in page.evaluate(PAGEFIND_SEARCH, query.text)["urls"]
        ]
        ok = query.expected in urls[:3] if query.expected else not urls
        hits += ok
        if not ok:
            misses.append(f"{query.kind}:{query.text}")
    return hits, len(queries), misses


RUNS = 5  # page loads per engine for the first result; the median is printed


def measure(browser, site: Path, engine: str, quality: bool) -> dict[str, object]:  # noqa: ANN001
    raw, packed = sizes(index_files(site, engine))
    result: dict[str, object] = {"raw": raw, "gzip": packed}
    first = pagefind_first_result if engine == "pagefind" else ui_first_result
    with served(site) as base:
        times = []
        for _ in range(RUNS):  # a fresh browser context each time: nothing cached
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            times.append(first(context.new_page(), base))
            context.close()
        result["first"] = statistics.median(times)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        if engine == "pagefind":
            pagefind_first_result(page, base)
            result["keys"] = pagefind_keystrokes(page)
            if quality:
                result["quality"] = pagefind_quality(page, base)
                result["blind"] = pagefind_quality(page, base, blind=True)
        else:
            ui_first_result(page, base)
            result["keys"] = ui_keystrokes(page)
            if quality:
                result["quality"] = ui_quality(page, base)
                result["blind"] = ui_quality(page, base, blind=True)
        context.close()
    return result


def report(name: str, engine: str, result: dict[str, object]) -> None:
    keys = result["keys"]
    assert isinstance(keys, list)
    quality, blind = result.get("quality"), result.get("blind")
    score = f"{quality[0]:>2}/{quality[1]}" if isinstance(quality, tuple) else "    -"
    unseen = f"{blind[0]:>2}/{blind[1]}" if isinstance(blind, tuple) else "    -"
    print(
        f"{name:<10} {engine:<14} {score:>6} {unseen:>6} "
        f"{int(result['raw']) / 1024:>9.0f} "  # type: ignore[call-overload]
        f"{int(result['gzip']) / 1024:>9.0f} {float(result['first']):>9.0f} "  # type: ignore[arg-type]
        f"{statistics.median(keys):>8.1f} {statistics.quantiles(keys, n=10)[-1]:>8.1f}"
    )
    if isinstance(quality, tuple) and quality[2]:
        print(f"{'':<25} missed: {', '.join(quality[2])}")
    if isinstance(blind, tuple) and blind[2]:
        print(f"{'':<25} missed (blind): {', '.join(blind[2])}")


def main(pages: int) -> None:
    try:
        import pagefind  # noqa: F401
    except ImportError:
        print("pagefind not installed (pip install 'rundbrief[bench]'): skipping that engine")
        ENGINES.pop("pagefind")
    print(
        f"{'site':<10} {'engine':<14} {'top-3':>6} {'blind':>6} {'index KiB':>9} {'gzip KiB':>9} "
        f"{'first ms':>9} {'key p50':>8} {'key p90':>8}"
    )
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sources = {
            "example": copy_example(Path(folder) / "example"),
            f"{pages} p.": synthetic_project(Path(folder) / "synthetic", pages),
        }
        for name, root in sources.items():
            compacted = built_site(root)
            shutil.copytree(compacted, Path(folder) / f"{name}-compact")
            full = built_site(root, compact=False)
            for engine, prepare in ENGINES.items():
                variant = Path(folder) / f"{name}-{engine}"
                source = Path(folder) / f"{name}-compact" if engine == "rundbrief" else full
                shutil.copytree(source, variant)
                prepare(variant)
                report(name, engine, measure(browser, variant, engine, name == "example"))
        browser.close()


def quality_only() -> None:
    """Top-3 hits of the site as built, on the tuned and on the blind query set."""
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        site = built_site(copy_example(Path(folder) / "example"))
        with served(site) as base:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            for label, blind in (("query set", False), ("blind set", True)):
                hits, total, misses = ui_quality(page, base, blind=blind)
                print(f"{label}: {hits}/{total} in the top three ({100 * hits / total:.0f} %)")
                if misses:
                    print("  missed: " + ", ".join(misses))
            context.close()
        browser.close()


def first_only(pages: int, runs: int = 15) -> None:
    """Our engine's first result at ``pages`` pages: every page load, median and worst."""
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        site = built_site(synthetic_project(Path(folder) / "synthetic", pages))
        print(f"index {sizes(index_files(site, 'rundbrief'))[1] / 1024:.0f} KiB gzip")
        with served(site) as base:
            times = []
            for _ in range(runs):  # a fresh browser context each time: nothing cached
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                times.append(ui_first_result(context.new_page(), base))
                context.close()
        print("first result ms: " + " ".join(f"{t:.0f}" for t in times))
        print(f"median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms")
        browser.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--quality"]:
        quality_only()
    elif sys.argv[1:2] == ["--first"]:
        first_only(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
