"""Contact lists and their contacts: the rules, CSV import files and jobs, seeding, paging."""
