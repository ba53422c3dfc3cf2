"""Names and values that every export format must escape."""


def 数据(x):
    """<script>window.__pwned = 1</script> & "quotes" 'single' `backtick` | pipe #hash"""
    return x


class Tricky:
    def __call__(self, text):
        return 数据(text)


Tricky()('<script>alert("x")</script>')
(lambda y: 数据(y))("a \\ b")
