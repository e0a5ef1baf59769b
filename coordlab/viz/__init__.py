"""Tables and plots for notebooks and reports."""
