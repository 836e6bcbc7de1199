"""The demo class of the batch_norm lab: typical mistakes, one per student.

Each student is the reference solution with one answer replaced.
"""

_LAYER_HEAD = """class BatchNormalization(keras.layers.Layer):
    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        shape = (input_shape[-1],)
        self.gamma = self.add_weight(shape=shape, initializer="ones", name="gamma", autocast=False)
        self.beta = self.add_weight(shape=shape, initializer="zeros", name="beta", autocast=False)
        self.moving_mean = self.add_weight(
            shape=shape, initializer="zeros", name="moving_mean", trainable=False, autocast=False
        )
        self.moving_variance = self.add_weight(
            shape=shape, initializer="ones", name="moving_variance", trainable=False, autocast=False
        )

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}

"""

STUDENTS = {
    "momentum_reversed": {
        "batch_norm_layer": _LAYER_HEAD
        + """    def call(self, inputs, training=False):
        x = ops.cast(inputs, "float32")
        if training and self.trainable:
            z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)
            self.moving_mean.assign((1 - self.momentum) * self.moving_mean + self.momentum * mean)
            self.moving_variance.assign((1 - self.momentum) * self.moving_variance + self.momentum * variance)
        else:
            z = self.gamma * (x - self.moving_mean) / ops.sqrt(self.moving_variance + self.epsilon) + self.beta
        return ops.cast(z, self.compute_dtype)
""",
    },
    "batch_stats_at_inference": {
        "batch_norm_layer": _LAYER_HEAD
        + """    def call(self, inputs, training=False):
        x = ops.cast(inputs, "float32")
        z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)
        self.moving_mean.assign(self.momentum * self.moving_mean + (1 - self.momentum) * mean)
        self.moving_variance.assign(self.momentum * self.moving_variance + (1 - self.momentum) * variance)
        return ops.cast(z, self.compute_dtype)
""",
    },
    "unbiased_variance": {
        "batch_norm_forward": """def batch_norm_forward(z, gamma, beta, epsilon=1e-3):
    z = ops.convert_to_tensor(z)
    axes = tuple(range(len(z.shape) - 1))
    m = 1
    for axis in axes:
        m *= z.shape[axis]
    mean = ops.mean(z, axis=axes)
    variance = ops.sum(ops.square(z - mean), axis=axes) / (m - 1)
    z_norm = (z - mean) / ops.sqrt(variance + epsilon)
    return gamma * z_norm + beta, mean, variance
""",
    },
    "epsilon_outside_sqrt": {
        "batch_norm_forward": """def batch_norm_forward(z, gamma, beta, epsilon=1e-3):
    z = ops.convert_to_tensor(z)
    axes = tuple(range(len(z.shape) - 1))
    mean = ops.mean(z, axis=axes)
    variance = ops.var(z, axis=axes)
    return gamma * (z - mean) / (ops.sqrt(variance) + epsilon) + beta, mean, variance
""",
    },
}
