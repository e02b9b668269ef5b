"""Options a job command adds, and the wrapping around its job they imply: mirror.py
(`--mirror`, `--max-remove`: the import with the mirror step) and screening.py (`--scrub-dnc`,
`--check`, `--now`: the job behind `jobs.screening.ScreeningJob`)."""
