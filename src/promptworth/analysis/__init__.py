"""What the runs mean: the data advantage, the report, the plots, the plan and its probe."""
