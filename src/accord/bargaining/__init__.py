"""Bargaining analysis: utility, acceptance, the zone of agreement or the gap, mediator proposals."""
