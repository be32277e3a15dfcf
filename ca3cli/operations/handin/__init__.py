"""`ca3 handin`: the submission folder of milestones 10-11, its checklist, its README and its secret scan.

`deliverables` is the one table of what the seed asks for and what makes each file; `checklist` and `readme` are
pure over that table and what is on disk; `submission` and `scan` are the edges that write and read files.
"""
