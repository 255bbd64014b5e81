"""Screenshots of every page a layout run visits, and a contact sheet to look through them in a minute.

``test-artifacts/screens/<role>/<width>/<page>.png`` (full page) and ``test-artifacts/screens/index.html``:
one row per page, one thumbnail per role and width, each problem the layout test found under its
picture. The folder is emptied at the start of a run, so it never shows pages of an older run.
"""
from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Shot:
    page: str
    role: str
    width: int
    path: Path
    problems: list[str] = field(default_factory=list)


class ContactSheet:
    def __init__(self, folder: Path):
        self.folder = folder
        self.shots: list[Shot] = []
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def take(self, tab, *, page: str, role: str, width: int, problems: list[str]) -> Shot:
        path = self.folder / role / str(width) / f"{page}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(path), full_page=True, animations="disabled")
        shot = Shot(page, role, width, path, list(problems))
        self.shots.append(shot)
        return shot

    def write_index(self) -> Path:
        pages = list(dict.fromkeys(shot.page for shot in self.shots))
        failing = sum(1 for shot in self.shots if shot.problems)
        rows = []
        for name in pages:
            cells = []
            for shot in (shot for shot in self.shots if shot.page == name):
                source = html.escape(shot.path.relative_to(self.folder).as_posix())
                notes = "".join(f"<li>{html.escape(problem)}</li>" for problem in shot.problems)
                size = "wide" if shot.width > 800 else "narrow"
                cells.append(
                    f'<figure class="{size} {"bad" if shot.problems else "ok"}"><a href="{source}">'
                    f'<img src="{source}" loading="lazy" alt="{html.escape(name)}, {shot.role}, {shot.width} px"></a>'
                    f"<figcaption>{html.escape(shot.role)} · {shot.width} px<ul>{notes}</ul></figcaption></figure>"
                )
            rows.append(f'<section><h2 id="{html.escape(name)}">{html.escape(name)}</h2>{"".join(cells)}</section>')
        bad_pages = {shot.page for shot in self.shots if shot.problems}
        contents = " · ".join(
            f'<a href="#{html.escape(name)}"{" class=bad" if name in bad_pages else ""}>{html.escape(name)}</a>' for name in pages
        )
        index = self.folder / "index.html"
        index.write_text(
            "<!doctype html><html lang=en><meta charset=utf-8><title>Screens</title><style>"
            "body{font-family:sans-serif;margin:1rem}section{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-start}"
            "h2{width:100%;font-size:1rem;margin:1.5rem 0 .25rem}figure{margin:0}"
            "img{display:block;object-fit:cover;object-position:left top;border:3px solid #3a3}"
            ".wide,.wide img{width:340px}.wide img{height:224px}.narrow,.narrow img{width:150px}.narrow img{height:325px}"
            ".bad img{border-color:#c22}a.bad{color:#c22;font-weight:bold}figcaption{font-size:.75rem}"
            "ul{color:#c22;padding-left:1rem;margin:.25rem 0;overflow-wrap:anywhere}"
            f"</style><h1>{len(self.shots)} screens, {failing} with layout problems</h1>"
            "<p>Green frame: usable; red: the problems are listed under the picture. Click a picture for full size.</p>"
            f"<p>{contents}</p>" + "".join(rows),
            encoding="utf-8",
        )
        return index
