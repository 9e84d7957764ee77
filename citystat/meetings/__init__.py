"""Stat meetings: series and cadence, agendas drafted from the plan, briefings, follow-ups."""
