"""Upstream smalldiffusion's `smalldiffusion.diffusion`: schedules, training and sampling.

Not exported from a notebook: it gathers what the chapter notebooks export (the diffusion core of
03_diffusion, the flow-matching schedules of 05_flow), so that `from smalldiffusion.diffusion import NAME`
works for every name upstream's module has.
"""
from .core import *
from .core import __all__ as _core_all

__all__ = list(_core_all)
from .flow import ScheduleFlow, ScheduleLogNormalFlow
__all__ += ['ScheduleFlow', 'ScheduleLogNormalFlow']
