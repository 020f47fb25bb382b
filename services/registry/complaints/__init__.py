"""The complaint centre: tickets, assignment, deadlines, a state machine."""
