"""Whatever a model returns, the output checks give a valid answer or an InputError naming the call:
never another exception, never a NaN, a meta tensor or a bool mask scored as images."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from genbench.errors import InputError
from genbench.kinds.text_likelihood import check_log_probs
from genbench.models.sources import ModelSource
from genbench.scoring.outputs import call_model, check_images, check_texts
from hostile_models import IMAGES, LOG_PROBS, RAISES, TEXTS, ModelGaveUp

WHO = "Model 'm' sample()"
SHAPE = (4, 1, 8, 8)
DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.uint8, torch.int8, torch.int64,
          torch.bool, torch.complex64]


@st.composite
def tensors(draw) -> torch.Tensor:
    shape = draw(st.sampled_from([SHAPE, (4, 8, 8, 1), (3, 1, 8, 8), (4, 1, 8), (), (0, 1, 8, 8)]))
    values = draw(st.sampled_from([0.0, 0.5, 1.0, 1.0005, -0.5, 2.0, 255.0, float("nan"), float("inf")]))
    out = torch.full(shape, values).to(draw(st.sampled_from(DTYPES)))
    return out.to("meta") if draw(st.booleans()) and draw(st.booleans()) else out


@settings(max_examples=300, deadline=None)
@given(out=tensors())
def test_any_tensor_is_accepted_only_as_finite_float_images_in_range(out):
    try:
        images = check_images(out, SHAPE, WHO)
    except InputError as exc:
        assert str(exc).startswith(WHO)
        return
    assert out.is_floating_point() and out.device.type != "meta" and tuple(out.shape) == SHAPE
    assert images.dtype == torch.float32 and images.device.type == "cpu"
    assert torch.isfinite(images).all() and images.min() >= -1e-3 and images.max() <= 1 + 1e-3


@pytest.mark.parametrize("fault", sorted(IMAGES))
def test_every_hostile_image_output_is_refused_by_name(fault):
    with pytest.raises(InputError, match=r"^Model 'm' sample\(\) returned"):
        check_images(IMAGES[fault](torch.rand(SHAPE)), SHAPE, WHO)


@pytest.mark.parametrize("fault", sorted(TEXTS))
def test_every_hostile_text_output_is_refused_by_name(fault):
    with pytest.raises(InputError, match=r"^Model 'm' translate\(\) returned"):
        check_texts(TEXTS[fault](["a", "b", "c"]), 3, "Model 'm' translate()")


@settings(max_examples=200, deadline=None)
@given(out=st.lists(st.one_of(st.text(), st.none(), st.integers(), st.binary(), st.floats()), max_size=4))
def test_texts_are_exactly_n_plain_strings_of_valid_unicode(out):
    try:
        texts = check_texts(out, 3, "Model 'm' translate()")
    except InputError:
        return
    assert len(texts) == 3 and all(type(t) is str for t in texts)
    for text in texts:
        text.encode("utf-8")  # raises on a lone surrogate; an empty text is a valid answer


def test_a_str_subclass_reaches_the_metrics_as_a_plain_str():
    class Odd(str):
        def split(self, *args):
            raise RuntimeError("poisoned")

    texts = check_texts([Odd("a b"), "c"], 2, "who")
    assert texts == ["a b", "c"] and all(type(t) is str for t in texts)


@pytest.mark.parametrize("fault", sorted(LOG_PROBS))
def test_every_hostile_log_prob_output_is_refused_by_name(fault):
    good = (torch.full((3,), -4.0, dtype=torch.float64), torch.tensor([2, 3, 4]))
    with pytest.raises(InputError, match=r"^Model 'm' text_log_prob\(\) returned"):
        check_log_probs(LOG_PROBS[fault](good), 3, "Model 'm' text_log_prob()")


@pytest.mark.parametrize("fault", sorted(set(RAISES) - {"keyboard-interrupt"}))
def test_whatever_a_model_raises_becomes_an_input_error_naming_it_and_the_call(fault):
    source = ModelSource("m", object(), torch.device("cpu"))
    with pytest.raises(InputError, match=r"^Model 'm' raised \w+ in sample\(\) \(batch of 1\): "):
        call_model(source, "sample", lambda: RAISES[fault](None), during="batch of 1")


def test_ctrl_c_inside_a_model_still_stops_the_run():
    source = ModelSource("m", object(), torch.device("cpu"))
    with pytest.raises(KeyboardInterrupt):
        call_model(source, "sample", lambda: RAISES["keyboard-interrupt"](None))


def test_a_custom_base_exception_is_chained_for_debugging():
    source = ModelSource("m", object(), torch.device("cpu"))
    with pytest.raises(InputError) as caught:
        call_model(source, "sample", lambda: RAISES["base-exception"](None))
    assert isinstance(caught.value.__cause__, ModelGaveUp)


def test_numpy_images_are_refused_not_converted():
    with pytest.raises(InputError, match="returned ndarray"):
        check_images(np.zeros(SHAPE, np.float32), SHAPE, WHO)
