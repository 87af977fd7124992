"""TrainConfig rejects bad hyperparameters before any training, naming field, value and allowed range."""
import pytest

from ftlab import TrainConfig


@pytest.mark.parametrize("field,value,allowed", [
    ("lr", -3, "a float in (0, 1]"),
    ("lr", 0, "a float in (0, 1]"),
    ("batch_size", 0, "an int >= 1"),
    ("epochs", -1, "a number > 0"),
    ("epochs", 0, "a number > 0"),
    ("grad_accum_steps", 0, "an int >= 1"),
    ("optimizer", "lion", "one of ('adamw', 'adam', 'sgd')"),
    ("scheduler", "step", "one of ('constant', 'linear', 'cosine')"),
    ("max_len", 1, "an int in [2, 1000000]"),
    ("precision", "fp8", "one of ('auto', 'fp32', 'bf16', 'fp16')"),
])
def test_invalid_values_are_rejected_with_field_value_and_range(field, value, allowed):
    with pytest.raises(ValueError) as err:
        TrainConfig(**{field: value})
    assert str(err.value) == f"TrainConfig.{field} must be {allowed}; got {value!r}"


def test_message_matches_design_example():
    with pytest.raises(ValueError, match=r"^TrainConfig.lr must be a float in \(0, 1\]; got -3$"):
        TrainConfig(lr=-3)


def test_replace_validates_again():
    cfg = TrainConfig(lr=1e-4)
    assert cfg.replace(batch_size=8).batch_size == 8
    with pytest.raises(ValueError, match="batch_size"):
        cfg.replace(batch_size=-2)


def test_save_every_needs_output_dir():
    with pytest.raises(ValueError, match="output_dir"):
        TrainConfig(save_every=10)


def test_effective_batch_size():
    assert TrainConfig(batch_size=8, grad_accum_steps=4).effective_batch_size == 32
