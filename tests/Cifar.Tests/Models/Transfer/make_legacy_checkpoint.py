# Writes a tiny state dict in PyTorch's legacy (pre-1.6, non-zip) torch.save format without PyTorch, mirroring
# torch/serialization.py's _legacy_save: pickle(MAGIC), pickle(1001), pickle(sys_info), the object pickled with
# persistent ids ('storage', <torch.XStorage>, key, 'cpu', numel, None) and tensors as
# torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()), the sorted storage
# keys, then per storage an int64 element count and the raw little-endian data.
import base64, collections, io, pickle, struct, sys, types

torch = types.ModuleType("torch"); torch._utils = types.ModuleType("torch._utils")
sys.modules["torch"] = torch; sys.modules["torch._utils"] = torch._utils
class FloatStorage:
    fmt = "f"
    def __init__(self, values): self.values = values
class LongStorage(FloatStorage):
    fmt = "q"
for c in (FloatStorage, LongStorage): c.__module__ = "torch"; setattr(torch, c.__name__, c)
def _rebuild_tensor_v2(*args): raise NotImplementedError
_rebuild_tensor_v2.__module__ = "torch._utils"; torch._utils._rebuild_tensor_v2 = _rebuild_tensor_v2
def _rebuild_tensor(*args): raise NotImplementedError
_rebuild_tensor.__module__ = "torch._utils"; torch._utils._rebuild_tensor = _rebuild_tensor

class Tensor:
    def __init__(self, storage, offset, size, stride, v1=False):
        self.args = (storage, offset, size, stride); self.v1 = v1
    def __reduce_ex__(self, protocol):
        if self.v1: return (_rebuild_tensor, self.args)  # torch 0.3's format
        return (_rebuild_tensor_v2, self.args + (False, collections.OrderedDict()))

storages = {}
def storage(key, cls, values):
    s = cls(values); storages[key] = s; return s

conv = storage("140001", FloatStorage, [0.5 * i for i in range(6)])          # 0.weight [2,3,1,1]
bias = storage("140002", FloatStorage, [-1.0, 2.0])                          # 0.bias
bn = storage("140003", FloatStorage, [1.0, 1.5, 0.25, -0.25, 3.0, 4.0, 9.0]) # bn weight, bias, mean share one storage
count = storage("140004", LongStorage, [7])
state = collections.OrderedDict()
state["0.weight"] = Tensor(conv, 0, (2, 3, 1, 1), (3, 1, 1, 1))
state["0.bias"] = Tensor(bias, 0, (2,), (1,), v1=True)
state["1.weight"] = Tensor(bn, 0, (2,), (1,))
state["1.bias"] = Tensor(bn, 2, (2,), (1,))
state["1.running_mean"] = Tensor(bn, 4, (2,), (1,))
state["1.running_var"] = Tensor(bn, 5, (2,), (-1 + 2,))   # [4.0, 9.0]
state["1.num_batches_tracked"] = Tensor(count, 0, (), ())
state["transposed"] = Tensor(conv, 0, (3, 2), (1, 3))     # a non-contiguous view of 0.weight
state._metadata = collections.OrderedDict([("", {"version": 1}), ("1", {"version": 2})])

def persistent_id(obj):
    if isinstance(obj, FloatStorage):
        key = next(k for k, v in storages.items() if v is obj)
        return ("storage", type(obj), key, "cpu", len(obj.values), None)
    return None

f = io.BytesIO()
pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
pickle.dump(1001, f, protocol=2)
pickle.dump(dict(protocol_version=1001, little_endian=True, type_sizes=dict(short=2, int=4, long=8)), f, protocol=2)
p = pickle.Pickler(f, protocol=2); p.persistent_id = persistent_id; p.dump(state)
keys = sorted(storages)
pickle.dump(keys, f, protocol=2)
for k in keys:
    s = storages[k]
    f.write(struct.pack("<q", len(s.values)) + struct.pack("<%d%s" % (len(s.values), s.fmt), *s.values))
data = f.getvalue()
print(len(data))
print(base64.b64encode(data).decode())
