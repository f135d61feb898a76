"""What every task kind shares: run options, the evaluation context, model-call and output checks,
the score builder and the cost step. Kinds build on this package; it imports no kind."""
