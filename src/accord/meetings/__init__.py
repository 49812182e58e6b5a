"""Meetings: meetings, agendas, minutes, action items, decisions under explicit rules, disputes with clocks, the concerns register."""
