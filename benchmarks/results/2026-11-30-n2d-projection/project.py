# z = fc2(relu(fc1(h))) of a SimCLR checkpoint's projection head, L2-normalised per row (the space
# NT-Xent compares), from the representation h that `fmnist encode` writes. Usage: project.py MODEL H.npy OUT.npy
import json, struct, sys, numpy as np
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]; header = json.loads(raw[8:8 + n]); body = raw[8 + n:]
def tensor(name):
    t = header[name]; a, b = t["data_offsets"]
    return np.frombuffer(body[a:b], dtype=np.float32).reshape(t["shape"])
h = np.load(sys.argv[2]).astype(np.float64)
u = np.maximum(h @ tensor("head.fc1.weight").T + tensor("head.fc1.bias"), 0)
z = u @ tensor("head.fc2.weight").T + tensor("head.fc2.bias")
z /= np.linalg.norm(z, axis=1, keepdims=True)
np.save(sys.argv[3], z.astype(np.float32))
print(sys.argv[3], z.shape)
