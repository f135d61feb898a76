"""Training recipes for shipped weights, discovered through the ``genbench.recipes`` entry points."""

from genbench.registry import Registry
from genbench.training import Recipe

RECIPES: Registry[Recipe] = Registry("recipe", "genbench.recipes", check=lambda r: isinstance(r, Recipe))
RECIPES.register("digits-cnn", "genbench.features.digits_net:RECIPE")
RECIPES.register("fashion-cnn", "genbench.features.fashion_net:RECIPE")
