/* The monitoring recorder's LINE callback in C, for CPython 3.12+.
 *
 * A loop past its iteration budget is folded: its lines are still reported (a fold counts the
 * iterations and the lines it skipped, and samples the loop's scalars at its head), but nothing is
 * recorded for them. That path runs for every line of every iteration of a long loop, and in
 * Python its cost is the lookups around it: the frame, the thread's shadow stack, the entry, the
 * fold. `FoldedLines` does exactly what `on_line` in monitoring.py does, with the same Python
 * helpers for everything past the folded path (a line recorded in detail, a fold that opens or
 * closes, a loop's scalars sampled), so a trace is the same with and without this module (a test
 * compares them event by event). Anything it does not expect (a slot of another type) is handed to
 * the Python callback.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#if PY_VERSION_HEX < 0x030C0000
#error "codetour's LINE callback is for CPython 3.12+ (sys.monitoring)"
#endif

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *tls;        /* threading.local: .stack is this thread's shadow stack */
    PyObject *stack_name; /* "stack" */
    PyObject *unfold;     /* unfold(entry, lineno) -> bool */
    PyObject *close_fold; /* close_fold(entry) */
    PyObject *sample;     /* sample(entry, frame, lineno) */
    PyObject *line_event; /* line_event(entry, frame, lineno) */
    PyObject *fallback;   /* the Python callback, for anything unexpected */
    Py_ssize_t frame_slot, row_slot, fold_slot, seen_slot, last_line_slot;
} FoldedLines;

/* A list item that must be an int: its value, or -1 with *ok = 0. */
static inline long
long_item(PyObject *list, Py_ssize_t i, int *ok)
{
    PyObject *item = PyList_GET_ITEM(list, i);
    if (!PyLong_CheckExact(item)) {
        *ok = 0;
        return -1;
    }
    long value = PyLong_AsLong(item);
    if (value == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        *ok = 0;
    }
    return value;
}

static PyObject *
call3(PyObject *fn, PyObject *a, PyObject *b, PyObject *c, Py_ssize_t n)
{
    PyObject *args[3] = {a, b, c};
    return PyObject_Vectorcall(fn, args, (size_t)n, NULL);
}

static PyObject *
folded_lines_call(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    FoldedLines *self = (FoldedLines *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs != 2 || kwnames != NULL) {
        return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
    }
    PyObject *lineno_obj = args[1];
    if (!PyLong_CheckExact(lineno_obj)) {
        return PyObject_Vectorcall(self->fallback, args, nargsf, NULL);
    }
    long lineno = PyLong_AsLong(lineno_obj);
    if (lineno == -1 && PyErr_Occurred()) {
        return NULL;
    }
    /* The frame the event is for: a C callback pushes no frame of its own. */
    PyObject *frame = (PyObject *)PyEval_GetFrame();
    if (frame == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *stack = PyObject_GetAttr(self->tls, self->stack_name);
    if (stack == NULL) {
        if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear(); /* a thread with no call in scope yet */
            Py_RETURN_NONE;
        }
        return NULL;
    }
    PyObject *result = NULL;
    PyObject *entry = NULL;
    PyObject *fold = NULL;
    if (!PyList_CheckExact(stack)) {
        result = PyObject_Vectorcall(self->fallback, args, 2, NULL);
        goto done;
    }
    Py_ssize_t depth = PyList_GET_SIZE(stack);
    if (depth == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    entry = Py_NewRef(PyList_GET_ITEM(stack, depth - 1));
    Py_ssize_t size = PyList_CheckExact(entry) ? PyList_GET_SIZE(entry) : -1;
    if (size <= self->frame_slot || size <= self->row_slot) {
        result = PyObject_Vectorcall(self->fallback, args, 2, NULL);
        goto done;
    }
    /* Only a recorded activation: a folded one of the same function (recursion) runs the same
     * instrumented code object. */
    int ok = 1;
    if (PyList_GET_ITEM(entry, self->frame_slot) != frame) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    long row = long_item(entry, self->row_slot, &ok);
    if (!ok) {
        result = PyObject_Vectorcall(self->fallback, args, 2, NULL);
        goto done;
    }
    if (row < 0) {
        result = Py_NewRef(Py_None); /* past the budget: nothing recorded for its lines */
        goto done;
    }
    if (size <= self->last_line_slot || size <= self->seen_slot || size <= self->fold_slot) {
        result = PyObject_Vectorcall(self->fallback, args, 2, NULL);
        goto done;
    }
    fold = Py_NewRef(PyList_GET_ITEM(entry, self->fold_slot));
    if (fold != Py_None) {
        if (!PyList_CheckExact(fold) || PyList_GET_SIZE(fold) < 7) {
            result = PyObject_Vectorcall(self->fallback, args, 2, NULL);
            goto done;
        }
        long first = long_item(fold, 0, &ok), last = long_item(fold, 1, &ok);
        long head = long_item(fold, 6, &ok);
        long iterations = long_item(fold, 3, &ok);
        long lines = long_item(fold, 4, &ok);
        long last_line = long_item(entry, self->last_line_slot, &ok);
        if (!ok) {
            /* Not the ints the Python callback compares: it does this line (nothing changed yet). */
            result = PyObject_Vectorcall(self->fallback, args, 2, NULL);
            goto done;
        }
        if (first <= lineno && lineno <= last) {
            /* Inside a folded loop: the rule is line_event's. */
            PyObject *seen = PyList_GET_ITEM(entry, self->seen_slot);
            int folded = PyDict_CheckExact(seen) ? PyDict_Contains(seen, lineno_obj) : PySequence_Contains(seen, lineno_obj);
            if (folded < 0) {
                goto done;
            }
            if (!folded) {
                PyObject *unfolded = call3(self->unfold, entry, lineno_obj, NULL, 2);
                if (unfolded == NULL) {
                    goto done;
                }
                int truth = PyObject_IsTrue(unfolded);
                Py_DECREF(unfolded);
                if (truth < 0) {
                    goto done;
                }
                folded = !truth;
            }
            if (folded) {
                if (lineno == head && (lineno <= last_line || last_line == first)) {
                    PyObject *n = PyLong_FromLong(iterations + 1);
                    if (n == NULL) {
                        goto done;
                    }
                    PyList_SetItem(fold, 3, n); /* steals n */
                    PyObject *sampled = call3(self->sample, entry, frame, lineno_obj, 3);
                    if (sampled == NULL) {
                        goto done;
                    }
                    Py_DECREF(sampled);
                }
                PyObject *n = PyLong_FromLong(lines + 1);
                if (n == NULL) {
                    goto done;
                }
                PyList_SetItem(fold, 4, n);
                PyList_SetItem(entry, self->last_line_slot, Py_NewRef(lineno_obj));
                result = Py_NewRef(Py_None);
                goto done;
            }
            /* A line never recorded: this iteration is recorded in detail. */
            PyObject *closed = call3(self->close_fold, entry, NULL, NULL, 1);
            if (closed == NULL) {
                goto done;
            }
            Py_DECREF(closed);
        }
    }
    PyObject *recorded = call3(self->line_event, entry, frame, lineno_obj, 3);
    if (recorded == NULL) {
        goto done;
    }
    Py_DECREF(recorded);
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(fold);
    Py_XDECREF(entry);
    Py_DECREF(stack);
    return result;
}

static PyObject *
folded_lines_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *tls, *unfold, *close_fold, *sample, *line_event, *fallback;
    Py_ssize_t frame_slot, row_slot, fold_slot, seen_slot, last_line_slot;
    static char *kwlist[] = {"tls", "unfold", "close_fold", "sample", "line_event", "fallback", "frame_slot",
                             "row_slot", "fold_slot", "seen_slot", "last_line_slot", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOOnnnnn", kwlist, &tls, &unfold, &close_fold, &sample,
                                     &line_event, &fallback, &frame_slot, &row_slot, &fold_slot, &seen_slot,
                                     &last_line_slot)) {
        return NULL;
    }
    if (frame_slot < 0 || row_slot < 0 || fold_slot < 0 || seen_slot < 0 || last_line_slot < 0) {
        PyErr_SetString(PyExc_ValueError, "slots must not be negative");
        return NULL;
    }
    FoldedLines *self = (FoldedLines *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->stack_name = PyUnicode_InternFromString("stack");
    if (self->stack_name == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->vectorcall = folded_lines_call;
    self->tls = Py_NewRef(tls);
    self->unfold = Py_NewRef(unfold);
    self->close_fold = Py_NewRef(close_fold);
    self->sample = Py_NewRef(sample);
    self->line_event = Py_NewRef(line_event);
    self->fallback = Py_NewRef(fallback);
    self->frame_slot = frame_slot;
    self->row_slot = row_slot;
    self->fold_slot = fold_slot;
    self->seen_slot = seen_slot;
    self->last_line_slot = last_line_slot;
    return (PyObject *)self;
}

static int
folded_lines_traverse(FoldedLines *self, visitproc visit, void *arg)
{
    Py_VISIT(self->tls);
    Py_VISIT(self->unfold);
    Py_VISIT(self->close_fold);
    Py_VISIT(self->sample);
    Py_VISIT(self->line_event);
    Py_VISIT(self->fallback);
    return 0;
}

static int
folded_lines_clear(FoldedLines *self)
{
    Py_CLEAR(self->tls);
    Py_CLEAR(self->unfold);
    Py_CLEAR(self->close_fold);
    Py_CLEAR(self->sample);
    Py_CLEAR(self->line_event);
    Py_CLEAR(self->fallback);
    return 0;
}

static void
folded_lines_dealloc(FoldedLines *self)
{
    PyObject_GC_UnTrack(self);
    folded_lines_clear(self);
    Py_CLEAR(self->stack_name);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject FoldedLinesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "codetour.trace._lines.FoldedLines",
    .tp_basicsize = sizeof(FoldedLines),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "The monitoring recorder's LINE callback, with the folded-loop path in C.",
    .tp_new = folded_lines_new,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(FoldedLines, vectorcall),
    .tp_traverse = (traverseproc)folded_lines_traverse,
    .tp_clear = (inquiry)folded_lines_clear,
    .tp_dealloc = (destructor)folded_lines_dealloc,
};

static struct PyModuleDef lines_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "codetour.trace._lines",
    .m_doc = "The monitoring recorder's LINE callback in C (CPython 3.12+).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__lines(void)
{
    if (PyType_Ready(&FoldedLinesType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&lines_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(module, "FoldedLines", (PyObject *)&FoldedLinesType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
