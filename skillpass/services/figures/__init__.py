"""Team-wide figures: the compliance matrix, the lapse forecast, the monthly trend, the admin home.

Everything is derived from the entries with the date rules of rules.py, never stored, from a
constant number of queries whatever the number of people or items: people, their live
assignments, the items and sections of those templates, the latest accepted completion and any
awaiting entry of each (person, item), computed in Python. One module per question:

  scope.py           who is in scope (Scope), the columns, and the loads the figures share
  walk.py            the one walk over person × passport × item (Cell, the column rules)
  matrix.py          the team page's matrix (kept per worker) and its filter
  lapse_forecast.py  who lapses in the next 30, 60 or 90 days
  monthly_trend.py   compliance as of each month's end
  admin_overview.py  the admin home's figures, counted by the database over the kept dates
  standing.py        who meets, is about to lose, does not meet each passport, and who they are
  counted.py         the team page's forecast and standings of a whole scope, counted by the database over the
                     kept dates (the walk's figures, checked against it)
  team_page.py       the team page counted by the database, with matrix rows for the people of the page only
"""
from skillpass.services.figures.admin_overview import (
    ItemFigure,
    Overview,
    TeamFigure,
    compute_overview,
    overview,
)
from skillpass.services.figures.lapse_forecast import Forecast, Lapse, forecast
from skillpass.services.figures.matrix import (
    AWAITING,
    KEEP_MATRIX_CELLS,
    KEPT,
    Awaiting,
    Matrix,
    Row,
    build_matrix,
    compute_matrix,
    filter_rows,
)
from skillpass.services.figures.monthly_trend import TrendLine, month_ends, trend
from skillpass.services.figures.scope import (
    Column,
    ItemInfo,
    Member,
    Scope,
    TemplateInfo,
    job_roles,
    passports_on_offer,
    people_ids,
    people_query,
)
from skillpass.services.figures.walk import Cell
from skillpass.services.figures import counted, team_page
from skillpass.services.figures.standing import STANDINGS, Counts, Holder, PassportFigure, holders, standing_figures

__all__ = ["Scope", "Cell", "Column", "Row", "Matrix", "build_matrix", "filter_rows", "forecast", "Forecast",
           "trend", "TrendLine", "overview", "Overview", "month_ends", "AWAITING", "Awaiting", "KEPT",
           "KEEP_MATRIX_CELLS", "Member", "ItemInfo", "TemplateInfo", "Lapse", "TeamFigure", "ItemFigure",
           "compute_matrix", "compute_overview", "people_query", "people_ids", "passports_on_offer",
           "job_roles", "counted", "team_page", "STANDINGS", "Counts", "Holder", "PassportFigure", "holders", "standing_figures"]
