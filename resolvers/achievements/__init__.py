"""Learning achievements (学习成果): deposits, learners' own registrations, matching, reviews,
withdrawal, typed details and credits."""
