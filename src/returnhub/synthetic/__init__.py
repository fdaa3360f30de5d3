"""Synthetic populations: made-up people with whole legal histories, calibrated to published UK figures.

No real person is ever in the repository; every name is drawn at random from small generic pools.
"""

from returnhub.synthetic.generator import Population, generate_population
from returnhub.synthetic.summary import population_summary

__all__ = ["Population", "generate_population", "population_summary"]
