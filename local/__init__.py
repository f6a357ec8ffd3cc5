"""What runs on your own machine: the `tricloud` command and the offline stack."""
