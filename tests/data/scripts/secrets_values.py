def configure(api_key, learning_rate, name):
    password = "hunter2"
    token_value = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    long_text = "x" * 1000
    data = {"lr": learning_rate, "secret": "s3cr3t", "layers": [64, 64]}
    return len(password) + len(token_value) + len(long_text) + len(data)


class Weird:
    def __repr__(self):
        raise RuntimeError("repr must never be called")

    def __getattr__(self, name):
        raise RuntimeError("getattr must never be called")


def takes_weird(obj):
    return obj is not None


configure("sk-THISISASECRETKEY1234567890", 0.001, "run-1")
takes_weird(Weird())
