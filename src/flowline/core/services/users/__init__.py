"""People who sign in: accounts, passwords, one-time links, sessions, the sign-in lock."""
