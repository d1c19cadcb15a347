# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

SCALE = np.sqrt(2.0)
print("loading")  # expect: SE001
np.random.seed(0)  # expect: SE001
X = np.random.randn(8, 4)  # expect: SE001
rng = np.random.default_rng(42)

# %% nbgrader={"grade": false, "grade_id": "widget", "locked": false, "schema_version": 3, "solution": false, "task": false}
class Widget:
    def forward(self, x):
        return x


model = Widget()  # expect: SE001
Widget.backward = lambda self: None  # expect: SE001
assert SCALE > 1  # expect: SE001
for k in range(2):  # expect: SE001
    SCALE += k

if __name__ == "__main__":
    print(Widget().forward(1))
