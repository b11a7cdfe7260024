"""Rasa's LogisticRegressionClassifier with its coefficients laid out for one-message prediction (bot/linear.py).

Same training, same predictions; only the memory layout of the fitted coefficients differs, which saves a copy of
the whole coefficient matrix on every message.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.linear import fortran_coefficients


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentClassifier(LogisticRegressionClassifier):
    """Logistic regression over the sparse features, predicting without copying its coefficients."""

    def train(self, training_data: TrainingData) -> Resource:
        """Rasa's training, then the fast layout."""
        resource = super().train(training_data)
        fortran_coefficients(self.clf)
        return resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LogisticRegressionClassifier:
        """Rasa's loading, then the fast layout."""
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        fortran_coefficients(component.clf)
        return component
