"""The admin dialect's rules over the shared store: calling lists, skills, access keys."""
