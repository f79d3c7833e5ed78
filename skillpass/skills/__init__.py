"""My skills: the signed-in person's own self-assessment, gaps and improvement (issue 16, part B)."""
