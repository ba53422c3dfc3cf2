"""Finding the hand-written tour that belongs to a repo."""

from __future__ import annotations

from pathlib import Path

from codetour.errors import CodetourError
from codetour.tour.model import Tour, load_tour


def find_tour_for_repo(repo: Path) -> Tour | None:
    """A hand-written tour whose ``repo:`` is this folder: in REPO/.codetour/tours, REPO/tours,
    or a ``tours/`` folder beside it or above it (as in this project's own layout)."""
    repo = repo.resolve()
    places = [repo / ".codetour" / "tours", repo / "tours"] + [p / "tours" for p in list(repo.parents)[:3]]
    for folder in places:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            try:
                tour = load_tour(path)
            except (CodetourError, OSError, ValueError):
                continue  # not a tour file: other Markdown lives in tours/ folders too
            root = tour.repo_root()
            if root == repo or (root is None and folder.parent in (repo, repo / ".codetour")):
                return tour
    return None
