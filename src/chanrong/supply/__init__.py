"""The core enterprise's workbench: sourcing, supplier scorecards, order progress, supply-interruption warnings."""
