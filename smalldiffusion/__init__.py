"smalldiffusion, the literate edition: the model layer of a small diffusion library."
__version__ = "0.1.0"

from .protocol import *
from .attention import *
from .core import *
from .data import *
from .guidance import *
from .targets import *
from .flow import *
from .ideal import *
from .ideal_fast import *   # fills IdealDenoiser._solve with the fast dispatch (nbs/09_ideal_fast.ipynb)
from . import model, diffusion
from .model_dit import DiT
from .model_unet import Unet
