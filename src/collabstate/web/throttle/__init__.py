"""Rate limits that hold across every worker and machine: counters in the database (:mod:`.counting`),
the sign-in throttle for the admin and the workspace (:mod:`.sign_in`)."""
