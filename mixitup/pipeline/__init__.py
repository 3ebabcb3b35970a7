"""The only place the steps are sequenced: read -> validate -> optimize -> render -> write.

One module per concept: `loop` (how every command reads and writes both spreadsheets),
`publish` (plan and publish one session), `run` (the calendar, late joiners), `meeting`
(attendance, the day-of rebalance), `queries` (status, export), `report`, `unpublish` and
`rollover` (the module boundary).
"""

from mixitup.pipeline.follow import Followed, Told, follow, message
from mixitup.pipeline.loop import Decision, Record, Sheets, read, read_decide_write, write
from mixitup.pipeline.meeting import (
    AttendanceOutcome,
    RebalanceOutcome,
    attendance,
    rebalance,
)
from mixitup.pipeline.publish import Outcome, Plan, plan, publish
from mixitup.pipeline.queries import SlotStatus, Status, export_zoom, status
from mixitup.pipeline.report import ReportOutcome, report
from mixitup.pipeline.rollover import RolloverOutcome, rollover
from mixitup.pipeline.run import Joined, RunOutcome, Unplaced, run
from mixitup.pipeline.unpublish import Unpublished, unpublish

__all__ = [
    "AttendanceOutcome",
    "Decision",
    "Followed",
    "Joined",
    "Outcome",
    "Plan",
    "RebalanceOutcome",
    "Record",
    "ReportOutcome",
    "RolloverOutcome",
    "RunOutcome",
    "Sheets",
    "SlotStatus",
    "Status",
    "Told",
    "Unplaced",
    "Unpublished",
    "attendance",
    "export_zoom",
    "follow",
    "message",
    "plan",
    "publish",
    "read",
    "read_decide_write",
    "rebalance",
    "report",
    "rollover",
    "run",
    "status",
    "unpublish",
    "write",
]
