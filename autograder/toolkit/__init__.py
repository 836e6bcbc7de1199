"""What a check author imports: comparisons, probes, from-scratch, statistics, autodiff, questions."""
