"""The bench's floor for a bulk print (bench/floors.py): WeasyPrint alone on every passport it is given, in as many
worker processes as asked, and the ratio the table prints beside the print's own time (bench/run.py)."""
from __future__ import annotations

from bench import floors, run

STATIC = str(floors.ROOT / "static")
ONE_PAGE = "<!DOCTYPE html><html lang='en'><body><p>One page</p></body></html>"
TWO_PAGES = ("<!DOCTYPE html><html lang='en'><body><p>First</p><p style='break-before: page'>Second</p>"
             "</body></html>")


def test_the_bulk_floor_lays_out_every_passport_in_the_processes_asked():
    row = floors.bulk_pdf_floor([ONE_PAGE, TWO_PAGES, TWO_PAGES], STATIC, 2)

    assert row["runs"] == 1 and row["median"] > 0
    assert row["note"].startswith("3 passports, 5 pages in 2 processes: ")


def test_a_bulk_print_is_held_to_the_pdf_aim_of_its_floor():
    assert run._aim({"name": "Bulk PDF of 50 passports", "median": 37_506, "floor": 34_372}) == \
        "1.09× (aim ≤ 1.2×: met)"
    assert run._aim({"name": "Bulk PDF of 50 passports", "median": 45_000, "floor": 34_372}) == \
        "1.31× (aim ≤ 1.2×: **missed**)"
