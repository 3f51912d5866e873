"""A simulated fridge-freezer for tests, the accuracy evaluation and the demo (not shipped).

Usage::

    fault = FaultInjection(FaultCode.SHORT_CYCLING, start_h=48.0)
    samples = simulate(Scenario(seed=1, days=3.0, faults=(fault,)))
    sim = FridgeSimulator(Scenario(seed=2, days=1.0))
    batch = sim.advance(to=sim.t + 60)  # step it live
"""

from .scenario import FaultInjection, Sample, Scenario
from .simulator import FridgeSimulator, simulate

__all__ = ["FaultInjection", "FridgeSimulator", "Sample", "Scenario", "simulate"]
