# the scientific stack imports and works; pulp's CBC solver needs a new process, which is denied
import numpy, scipy, scipy.optimize, networkx, pulp

g = networkx.path_graph(5)
print("shortest", networkx.shortest_path_length(g, 0, 4))
print("linprog", round(float(scipy.optimize.linprog([1, 1], A_ub=[[-1, -1]], b_ub=[-2]).fun), 6))
prob = pulp.LpProblem("p", pulp.LpMinimize)
x = pulp.LpVariable("x", lowBound=0)
prob += x
prob += x >= 1
prob.solve(pulp.PULP_CBC_CMD(msg=False))
print("pulp", pulp.value(x))
