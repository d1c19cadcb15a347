def plot(values):
    return list(values)
