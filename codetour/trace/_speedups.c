/* The settrace recorder's dispatcher in C, for CPython 3.10 and 3.11.
 *
 * Under sys.settrace, CPython calls the global trace function on every Python call in the process
 * through a trampoline that first copies the frame's locals into a dict, and then sends every line
 * of that frame to the trampoline too. In an ML run almost all of those calls are library code that
 * the recorder ignores (`import torch` alone is about a million frames): the Python function is
 * called only to look its code object up and return None.
 *
 * `Dispatcher` does what that trampoline does (sysmodule.c's trace_trampoline and call_trampoline),
 * with two differences:
 *
 * - a code object the recorder has classified as out of scope (`ignore(code)`) is answered here: its
 *   frame gets `f_trace_lines = 0`, so CPython sends it no line events either, and no Python code runs;
 * - it does not copy the locals into a dict before each event. The recorder reads `frame.f_locals`
 *   when it needs them, which makes the same copy then (it never writes locals back).
 *
 * Everything else goes to the same Python functions with the same arguments, and their return values
 * set `f_trace` as the trampoline would, so a trace is the same with and without this module (a test
 * compares them event by event). Python 3.12+ records with sys.monitoring instead, which disables
 * out-of-scope code objects itself; this module is not built there.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>

#if PY_VERSION_HEX < 0x030A0000 || PY_VERSION_HEX >= 0x030C0000
#error "codetour's C dispatcher is for CPython 3.10 and 3.11 (3.12+ records with sys.monitoring)"
#endif

#if PY_VERSION_HEX >= 0x030B0000
/* 3.11 declares PyFrameObject's fields in an internal header (Include/internal/pycore_frame.h,
 * struct _frame). These are its first fields, in its order. `frame_fields` lets the Python side check
 * the layout against the real attributes before this module is used. */
typedef struct {
    PyObject_HEAD
    PyFrameObject *f_back;
    void *f_frame;
    PyObject *f_trace;
    int f_lineno;
    char f_trace_lines;
    char f_trace_opcodes;
} Frame;
#else
typedef PyFrameObject Frame; /* 3.10: the fields are public (Include/cpython/frameobject.h) */
#endif

/* The event names the trampoline passes, indexed by PyTrace_CALL ... PyTrace_OPCODE. */
static PyObject *event_names[8];

typedef struct {
    PyObject_HEAD
    PyObject *global; /* the recorder's Python global trace function */
    /* The out-of-scope code objects: an open-addressing set of pointers, holding a reference to each
     * (so that no address is reused by a new code object while it is in the set). */
    PyObject **table;
    size_t capacity; /* a power of two, or 0 */
    size_t used;
} Dispatcher;

static inline size_t
slot_of(const Dispatcher *self, const void *code)
{
    uint64_t h = (uint64_t)(uintptr_t)code >> 4;
    return (size_t)(h * 0x9E3779B97F4A7C15ULL) & (self->capacity - 1);
}

static inline int
is_ignored(const Dispatcher *self, const PyObject *code)
{
    if (self->capacity == 0) {
        return 0;
    }
    size_t i = slot_of(self, code);
    for (;;) {
        const PyObject *entry = self->table[i];
        if (entry == code) {
            return 1;
        }
        if (entry == NULL) {
            return 0;
        }
        i = (i + 1) & (self->capacity - 1);
    }
}

static int
grow(Dispatcher *self)
{
    size_t capacity = self->capacity ? self->capacity * 2 : 4096;
    PyObject **table = PyMem_Calloc(capacity, sizeof(PyObject *));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject **old = self->table;
    size_t old_capacity = self->capacity;
    self->table = table;
    self->capacity = capacity;
    for (size_t k = 0; k < old_capacity; k++) {
        if (old[k] != NULL) {
            size_t i = slot_of(self, old[k]);
            while (table[i] != NULL) {
                i = (i + 1) & (capacity - 1);
            }
            table[i] = old[k];
        }
    }
    PyMem_Free(old);
    return 0;
}

/* A call of an ignored code object: answered here, with no line events for its frame. */
static int
answered_in_c(const Dispatcher *self, PyFrameObject *frame)
{
    PyCodeObject *code = PyFrame_GetCode(frame);
    int ignored = is_ignored(self, (PyObject *)code);
    Py_DECREF(code);
    if (ignored) {
        ((Frame *)frame)->f_trace_lines = 0;
    }
    return ignored;
}

static int
dispatch(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    Dispatcher *self = (Dispatcher *)obj;
    Frame *f = (Frame *)frame;
    PyObject *callback;
    if (what == PyTrace_CALL) {
        if (answered_in_c(self, frame)) {
            return 0;
        }
        callback = self->global;
    }
    else {
        callback = f->f_trace;
        if (callback == NULL) {
            return 0;
        }
    }
    if (what < 0 || what > PyTrace_OPCODE) {
        return 0;
    }
    PyObject *args[3] = {(PyObject *)frame, event_names[what], arg != NULL ? arg : Py_None};
    Py_INCREF(callback); /* the call may replace f_trace */
    PyObject *result = PyObject_Vectorcall(callback, args, 3, NULL);
    Py_DECREF(callback);
    if (result == NULL) {
        /* As the trampoline does: the error propagates, and tracing stops in this thread. */
        PyTraceBack_Here(frame);
        PyEval_SetTrace(NULL, NULL);
        Py_CLEAR(f->f_trace);
        return -1;
    }
    if (result != Py_None) {
        Py_XSETREF(f->f_trace, result);
    }
    else {
        Py_DECREF(result);
    }
    return 0;
}

static PyObject *
Dispatcher_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *global;
    static char *kwlist[] = {"global_trace", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Dispatcher", kwlist, &global)) {
        return NULL;
    }
    if (!PyCallable_Check(global)) {
        PyErr_SetString(PyExc_TypeError, "global_trace must be callable");
        return NULL;
    }
    Dispatcher *self = (Dispatcher *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    Py_INCREF(global);
    self->global = global;
    return (PyObject *)self;
}

static int
Dispatcher_traverse(Dispatcher *self, visitproc visit, void *arg)
{
    Py_VISIT(self->global);
    return 0;
}

static int
Dispatcher_clear(Dispatcher *self)
{
    Py_CLEAR(self->global);
    return 0;
}

static void
Dispatcher_dealloc(Dispatcher *self)
{
    PyObject_GC_UnTrack(self);
    Dispatcher_clear(self);
    for (size_t k = 0; k < self->capacity; k++) {
        Py_XDECREF(self->table[k]);
    }
    PyMem_Free(self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Dispatcher_ignore(Dispatcher *self, PyObject *code)
{
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "ignore() takes a code object");
        return NULL;
    }
    if (is_ignored(self, code)) {
        Py_RETURN_NONE;
    }
    if ((self->used + 1) * 2 > self->capacity && grow(self) < 0) {
        return NULL;
    }
    size_t i = slot_of(self, code);
    while (self->table[i] != NULL) {
        i = (i + 1) & (self->capacity - 1);
    }
    Py_INCREF(code);
    self->table[i] = code;
    self->used++;
    Py_RETURN_NONE;
}

static PyObject *
Dispatcher_install(Dispatcher *self, PyObject *Py_UNUSED(ignored))
{
    PyEval_SetTrace(dispatch, (PyObject *)self);
    Py_RETURN_NONE;
}

/* Called as a Python trace function: `sys.settrace(dispatcher)` in a thread that threading.settrace
 * started, or after a fork. It takes over the thread at C level, then answers this call event. */
static PyObject *
Dispatcher_call(Dispatcher *self, PyObject *args, PyObject *kwds)
{
    PyObject *frame, *event, *arg;
    if (!PyArg_UnpackTuple(args, "Dispatcher", 3, 3, &frame, &event, &arg)) {
        return NULL;
    }
    if (!PyFrame_Check(frame)) {
        PyErr_SetString(PyExc_TypeError, "a trace function's first argument is a frame");
        return NULL;
    }
    PyEval_SetTrace(dispatch, (PyObject *)self);
    if (PyUnicode_Check(event) && PyUnicode_CompareWithASCIIString(event, "call") == 0 &&
        answered_in_c(self, (PyFrameObject *)frame)) {
        Py_RETURN_NONE;
    }
    return PyObject_CallFunctionObjArgs(self->global, frame, event, arg, NULL);
}

static PyObject *
Dispatcher_len(Dispatcher *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSize_t(self->used);
}

static PyMethodDef Dispatcher_methods[] = {
    {"ignore", (PyCFunction)Dispatcher_ignore, METH_O,
     "ignore(code): answer this code object's calls in C from now on (no line events, no Python call)."},
    {"install", (PyCFunction)Dispatcher_install, METH_NOARGS,
     "install(): make this the current thread's trace function, at C level."},
    {"ignored_count", (PyCFunction)Dispatcher_len, METH_NOARGS, "ignored_count(): how many code objects are ignored."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject DispatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "codetour.trace._speedups.Dispatcher",
    .tp_doc = "Dispatcher(global_trace): sys.settrace's trampoline in C, answering ignored code objects itself.",
    .tp_basicsize = sizeof(Dispatcher),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = Dispatcher_new,
    .tp_traverse = (traverseproc)Dispatcher_traverse,
    .tp_clear = (inquiry)Dispatcher_clear,
    .tp_dealloc = (destructor)Dispatcher_dealloc,
    .tp_call = (ternaryfunc)Dispatcher_call,
    .tp_methods = Dispatcher_methods,
};

/* frame_fields(frame) -> (f_trace, f_trace_lines) as this module reads them: the Python side compares
 * them with the frame's attributes to check the frame layout above before using the dispatcher. */
static PyObject *
frame_fields(PyObject *module, PyObject *frame)
{
    if (!PyFrame_Check(frame)) {
        PyErr_SetString(PyExc_TypeError, "frame_fields() takes a frame");
        return NULL;
    }
    Frame *f = (Frame *)frame;
    PyObject *trace = f->f_trace != NULL ? f->f_trace : Py_None;
    return Py_BuildValue("(OO)", trace, f->f_trace_lines ? Py_True : Py_False);
}

static PyMethodDef module_methods[] = {
    {"frame_fields", frame_fields, METH_O, "frame_fields(frame) -> (f_trace, f_trace_lines), read at C level."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "codetour.trace._speedups",
    .m_doc = "The settrace recorder's dispatcher in C (CPython 3.10 and 3.11).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    static const char *names[8] = {"call", "exception", "line", "return", "c_call", "c_exception", "c_return", "opcode"};
    for (int i = 0; i < 8; i++) {
        if (event_names[i] == NULL) {
            event_names[i] = PyUnicode_InternFromString(names[i]);
            if (event_names[i] == NULL) {
                return NULL;
            }
        }
    }
    if (PyType_Ready(&DispatcherType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&DispatcherType);
    if (PyModule_AddObject(module, "Dispatcher", (PyObject *)&DispatcherType) < 0) {
        Py_DECREF(&DispatcherType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
