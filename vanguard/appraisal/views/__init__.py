"""Views of the quantitative appraisal, one module per part (cards, cycles, board)."""
