# Belgian practices read and type dates as dd/mm/yyyy, whatever the interface language.
from oxygen.formats.fr.formats import *  # noqa: F403
