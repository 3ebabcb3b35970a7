"""Zoom without hands: the meeting's breakout pre-assignment, its past participants reports and
who is in it now, through Zoom's REST API (`client`, `rooms`, `report`, `live`)."""
