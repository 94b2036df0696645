"""The model layer under the names of the spec (smalldiffusion's `model.py`).

Not exported from a notebook: it gathers what the chapter notebooks export, so that
`from smalldiffusion.model import NAME` works for every name the spec defines.
"""
from .protocol import ModelMixin, get_sigma_embeds, SigmaEmbedderSinCos, TimeInputMLP
from .targets import alpha, Scaled, PredX0, PredV
from .attention import CondSequential, Attention
from .guidance import CondEmbedderLabel, ConditionalMLP
from .ideal_fast import sq_norm, IdealDenoiser   # 08's class, its _solve hook filled by 09
from .flow import PredFlow, TimestepEmbedder, timestep_embedding

__all__ = ['ModelMixin', 'get_sigma_embeds', 'SigmaEmbedderSinCos', 'alpha', 'Scaled', 'PredX0', 'PredV',
           'CondSequential', 'Attention', 'CondEmbedderLabel', 'TimeInputMLP', 'ConditionalMLP',
           'sq_norm', 'IdealDenoiser', 'PredFlow', 'TimestepEmbedder', 'timestep_embedding']
