"""A subclassed Keras model for the user-network tests.

In a module of its own so that pickle finds the class by name, and imported
only inside tests, so that collecting the tests does not load Keras.
"""

import keras


@keras.saving.register_keras_serializable(package="skmask_tests")
class TwoLayerLogits(keras.Model):
    """A subclassed model: no input or output shape until it is called.

    Parameters
    ----------
    n_logits : int
        Width of the output.
    **kwargs : dict
        Passed to :class:`keras.Model`.
    """

    def __init__(self, n_logits, **kwargs):
        super().__init__(**kwargs)
        self.n_logits = n_logits
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(n_logits)

    def call(self, x):
        """Return one logit per output unit."""
        return self.out(self.hidden(x))

    def get_config(self):
        """Return the model's configuration."""
        return {**super().get_config(), "n_logits": self.n_logits}


def build(input_shape):
    """Build the model for rows of ``input_shape`` (a network builder)."""
    return TwoLayerLogits(input_shape[-1])
