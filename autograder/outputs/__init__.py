"""What a graded result becomes: reports, feedback pages, grade tables."""
