"""Value summaries: bounded, never running user code, secrets redacted."""

from __future__ import annotations

import argparse
import collections
import typing
from dataclasses import dataclass

import pytest

from codetour.trace.summary import REDACTED, summarize, summarize_named

np = pytest.importorskip("numpy")


def test_scalars_strings_and_containers():
    assert summarize(None) == "None"
    assert summarize(3) == "3"
    assert summarize(0.1 + 0.2) == "0.3"
    assert summarize("a" * 100).endswith("…(len 100)")
    assert summarize([1, 2, 3, 4, 5]) == "list[5] (1, 2, 3, …)"
    assert summarize({"a": 1, "b": [1, 2]}) == "dict[2] {a: 1, b: list[2] (1, 2)}"
    assert summarize(b"xyz") == "bytes[3]"
    nested = [[[[1]]]]
    assert summarize(nested) == "list[1] (list[1] (list[1]))"


def test_numpy_arrays_by_shape_dtype_and_small_stats():
    assert summarize(np.zeros((2048, 4))) == "ndarray float64[2048, 4]"
    assert summarize(np.zeros((1024, 4))) == "ndarray float64[1024, 4] min 0 max 0 mean 0"
    assert summarize(np.arange(3)) == "ndarray int64[3] [0, 1, 2]"
    small = summarize(np.linspace(0, 1, 11))
    assert small.startswith("ndarray float64[11] min 0 max 1 mean 0.5")
    assert summarize(np.float32(2.5)) == "float32 = 2.5"


def test_user_code_is_never_called():
    class Trap:
        calls = 0

        def __repr__(self):
            Trap.calls += 1
            return "trap"

        def __getattr__(self, name):
            Trap.calls += 1
            raise AttributeError(name)

        def __len__(self):
            Trap.calls += 1
            return 0

    trap = Trap()
    trap.visible = 5
    assert summarize(trap) == "<test_user_code_is_never_called.<locals>.Trap visible=5>"
    assert Trap.calls == 0


def test_dataclasses_and_namespaces_show_fields():
    @dataclass
    class Config:
        lr: float = 0.001
        epochs: int = 3

    assert summarize(Config()) == "<test_dataclasses_and_namespaces_show_fields.<locals>.Config lr=0.001 epochs=3>"
    assert summarize(argparse.Namespace(mode="train")) == "<Namespace mode='train'>"


def test_secrets_are_redacted_by_name_and_by_shape():
    assert summarize_named("api_key", "abc") == REDACTED
    assert summarize_named("password", "abc") == REDACTED
    assert summarize_named("hf_token", "abc") == REDACTED
    assert summarize_named("num_tokens", 5) == "5"
    assert summarize("ghp_" + "a" * 36) == REDACTED
    assert summarize("sk-" + "x" * 30) == REDACTED
    assert summarize({"secret": "value", "lr": 1}) == f"dict[2] {{secret: {REDACTED}, lr: 1}}"


def test_summary_never_raises():
    class Bad:
        @property
        def __dict__(self):
            raise RuntimeError("no")

    assert summarize(Bad()).startswith("<")


def test_torch_tensors_keep_device_and_never_copy():
    torch = pytest.importorskip("torch")
    t = torch.ones(3, 4, requires_grad=True)
    text = summarize(t)
    assert text.startswith("Tensor float32[3, 4] requires_grad")
    assert "min 1 max 1 mean 1" in text
    assert t.grad is None and t.requires_grad
    big = torch.zeros(512, 512)
    assert summarize(big) == "Tensor float32[512, 512]"
    meta = torch.empty(4, 4, device="meta")
    assert summarize(meta) == "Tensor float32[4, 4] meta"


def test_omegaconf_configs_show_their_composed_fields_without_resolving():
    """A Hydra/OmegaConf config shows its keys and raw values, nested groups included; an interpolation
    stays as written (resolving it could run a resolver: user code), and a secret is redacted."""
    omegaconf = pytest.importorskip("omegaconf")
    calls = []
    omegaconf.OmegaConf.register_new_resolver("watched", lambda: calls.append(1) or "x", replace=True)
    cfg = omegaconf.OmegaConf.create(
        {
            "seed": 3,
            "optim": {"name": "adam", "lr": 0.001},
            "tags": ["a", "b"],
            "run": "${watched:}",
            "api_key": "k",
            "model": {"net": {"sizes": {"lin1": 64, "lin2": 128, "lin3": 64, "out": 10}, "token": "t"}},
        }
    )
    assert summarize(cfg) == (
        "<DictConfig seed=3 optim=<DictConfig name='adam' lr=0.001> tags=<ListConfig[2] ('a', 'b')>"
        f" run='${{watched:}}' api_key={REDACTED}"
        f" model=<DictConfig net=<DictConfig sizes=<DictConfig lin1=64 lin2=128 lin3=64 out=10> token={REDACTED}>>>"
    )  # the whole tree, deeper than other values go, when the config is summarized on its own
    assert summarize([cfg]).startswith("list[1] (<DictConfig seed=3 optim=<DictConfig> ")  # inside a value: bounded
    assert calls == []  # no resolver ran
    assert summarize(cfg.tags) == "<ListConfig[2] ('a', 'b')>"


def test_named_tuples_show_their_fields_without_running_their_code():
    Batch = collections.namedtuple("Batch", "s a r")

    class Hostile(Batch):
        def __getitem__(self, i):
            raise AssertionError("user code ran")

        def __iter__(self):
            raise AssertionError("user code ran")

    class Record(typing.NamedTuple):
        step: int
        api_token: str

    assert summarize(Batch(np.zeros((32, 4)), 1, 0.5)).startswith("<Batch s=ndarray float64[32, 4] ")
    assert summarize(Hostile(1, 2, 3)).endswith(".Hostile s=1 a=2 r=3>")
    assert summarize(Record(3, "abc")).endswith(".Record step=3 api_token=<redacted>>")
    assert summarize(Batch(*range(3)).__add__((9,))) == "tuple[4] (0, 1, 2, …)"  # a named tuple plus more is a plain tuple


def test_an_optimizer_shows_the_learning_rate_it_holds_now():
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    assert " lr=0.1" in summarize(opt)
    opt.param_groups[0]["lr"] = 0.025  # what a scheduler's step does
    assert " lr=0.025" in summarize(opt) and "defaults=dict[" in summarize(opt)


def test_a_plain_object_of_settings_shows_every_field():
    class CfgNode:  # a yacs-style group: a plain class, no dataclass, only settings
        pass

    trainer = CfgNode()
    for name, value in [("device", "auto"), ("num_workers", 4), ("max_iters", None), ("batch_size", 64)]:
        setattr(trainer, name, value)
    trainer.learning_rate, trainer.betas, trainer.weight_decay, trainer.grad_norm_clip = 3e-4, (0.9, 0.95), 0.1, 1.0
    text = summarize(trainer)
    assert "learning_rate=0.0003" in text and "betas=tuple[2] (0.9, 0.95)" in text and "grad_norm_clip=1" in text
    assert "…" not in text
    # an object holding something else than settings is still cut at the usual number of fields
    trainer.model = object()
    assert summarize(trainer).endswith("…>")


def test_paths_show_their_text_and_a_long_one_its_file_name():
    import pathlib

    assert summarize(pathlib.Path("runs/ckpt.pt")) == f"{type(pathlib.Path()).__name__}('runs/ckpt.pt')"
    assert summarize(pathlib.PurePosixPath("a/b")) == "PurePosixPath('a/b')"
    long = pathlib.PurePosixPath("/data/experiments/2026-11-23/run-0042/checkpoints/model_epoch_2.pt")
    shown = summarize(long)
    assert shown.startswith("PurePosixPath('…") and shown.endswith("checkpoints/model_epoch_2.pt')")
    assert len(shown) < len(str(long))
    assert summarize([pathlib.PurePosixPath("x.pt")]) == "list[1] (PurePosixPath('x.pt'))"


def test_a_path_subclass_is_not_asked_for_its_text():
    import pathlib

    class Odd(pathlib.PurePosixPath):
        def __str__(self):
            raise AssertionError("user code ran")

    assert summarize(Odd("x")).endswith("Odd>")  # by its type alone, as any object of a class of its own


def test_a_secret_in_a_path_is_redacted_even_at_its_end():
    import pathlib

    token = "hf_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF"
    short = summarize(pathlib.PurePosixPath(f"/cache/{token}"))
    assert token not in short and REDACTED in short
    long = summarize(pathlib.PurePosixPath(f"/a/very/long/folder/name/that/goes/on/and/on/and/on/{token}/model.pt"))
    assert token not in long and REDACTED in long and long.endswith("/model.pt')")


def test_the_standard_librarys_dict_subclasses_show_their_items():
    assert summarize(collections.OrderedDict(a=1, b=2.5)) == "OrderedDict[2] {a: 1, b: 2.5}"
    assert summarize(collections.defaultdict(list, {"x": [1]})) == "defaultdict[1] {x: list[1] (1)}"
    assert summarize(collections.Counter("aab")) == "Counter[2] {a: 2, b: 1}"
    assert summarize(collections.OrderedDict(token="x", lr=1)) == f"OrderedDict[2] {{token: {REDACTED}, lr: 1}}"

    class Mine(collections.OrderedDict):  # a subclass of its own may run code on access: by its type alone
        def items(self):
            raise AssertionError("user code ran")

    assert summarize(Mine(a=1)).endswith("Mine>")


def test_an_ml_collections_config_shows_its_settings():
    ml_collections = pytest.importorskip("ml_collections")
    config = ml_collections.ConfigDict()
    config.learning_rate = 0.1
    config.batch_size = 64
    config.num_epochs = 2
    config.api_key = "abc"
    config.model = ml_collections.ConfigDict({"depth": 3, "width": 8})
    assert summarize(config) == (
        f"<ConfigDict learning_rate=0.1 batch_size=64 num_epochs=2 api_key={REDACTED} model=<ConfigDict depth=3 width=8>>"
    )
